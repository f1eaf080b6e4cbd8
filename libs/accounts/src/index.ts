export * from './accounts.service';
export * from './authenticate';
export { hashSecret } from './secrets';
