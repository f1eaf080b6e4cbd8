export * from './decode';
export * from './error-report';
export * from './read-csv';
export * from './safe-cell';
export * from './sniff';
export * from './splitter';
export * from './upload';
