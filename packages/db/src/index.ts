export * from './pool';
export * from './migrate';
export * from './source-model';
export * from './repositories/sources';
export * from './repositories/source-health';
export * from './repositories/items';
export * from './repositories/analysis';
export * from './repositories/topics';
