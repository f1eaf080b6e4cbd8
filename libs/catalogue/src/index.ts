export * from './product-import.service';
export * from './products';
