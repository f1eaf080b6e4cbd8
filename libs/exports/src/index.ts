export * from './customer-export';
export * from './export-file';
export * from './product-export';
export * from './sql';
