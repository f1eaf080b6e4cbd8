export * from './file-store';
export { LocalFileStore } from './local-file-store';
