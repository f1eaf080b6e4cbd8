export * from './product-export';
export * from './sql';
