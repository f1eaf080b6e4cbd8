export * from './load.service';
export * from './versions';
