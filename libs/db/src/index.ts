export type { PoolClient } from 'pg';
export { DataSource, type EntityManager, IsNull } from 'typeorm';
export * from './copy';
export * from './data-source';
export * from './entities';
export * from './pg-client';
export * from './scoped';
export * from './sql';
export * from './transaction';
