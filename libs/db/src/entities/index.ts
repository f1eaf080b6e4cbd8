import { AccountEntity } from './account.entity';
import { ApiTokenEntity } from './api-token.entity';
import { CustomerEntity } from './customer.entity';
import { JobRunEntity } from './job-run.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export * from './account.entity';
export * from './api-token.entity';
export * from './customer.entity';
export * from './job-run.entity';
export * from './session.entity';
export * from './user.entity';

export const entities = [AccountEntity, UserEntity, ApiTokenEntity, SessionEntity, CustomerEntity, JobRunEntity];
