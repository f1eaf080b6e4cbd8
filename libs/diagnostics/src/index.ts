export * from './diagnostic.service';
