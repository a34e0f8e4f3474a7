export { createInventoryBuilder, type IndexedRepo, type InventoryBuilder, type InventoryOptions } from './build';
export { indicatorKeys, modelKeys, refKey } from './keys';
export type * from './model';
export { candidatesOf, postingsOf, queryInventory, type InventoryView, type QueryStats, replayRepository, type ReplayOp } from './query';
