/** Cross-fitting folds (defined beside the model stages, which route clips by them on any machine). */
export { foldOf, judgeFold, trainsOn } from '../../stages/model/folds.js';
