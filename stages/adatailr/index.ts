/** The adatailr (score and filter) stage. */
export { adatailrStage, rowScore, type AdatailrStageOptions } from './stage.js';
export { decideKeep, type KeepDecision } from './filter-policy.js';
