/** Indicators: the built-in catalog, custom indicator files, `--component` specs, ref semantics, matching. */
export { CATALOG, catalogIndicator, closeIndicatorIds } from './catalog';
export { loadIndicator, indicatorSchema, type LoadResult } from './load';
export { matchJob, normaliseImage, normaliseUrl, packagePins, type PackagePin } from './match';
export { indicatorNotationErrors, invalidRefEntries, parseRefEntry, REF_NOTATION, refEntryError, type RefEntry } from './notation';
export { decideRef, refShape, type RefDecision, type RefShape } from './refs';
export { parseComponentSpec, type SpecResult } from './spec';
