export * from './jobs';
export * from './roles';
