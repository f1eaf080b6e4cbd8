export * from './fields';
export * from './import/customer-import.service';
export { customerStagingOf } from './import/staging';
export * from './template';
