/** AdaTaiLr and its baselines on the host side: token weights, γ strategies, loss configs. */
export * from './token-weights.js';
export * from './gamma-strategy.js';
export * from './loss-truncation.js';
export * from './loss-config.js';
export * from './train-loop.js';
