import type {
  DeepPartial,
  EntityManager,
  EntityTarget,
  FindManyOptions,
  FindOptionsWhere,
  ObjectLiteral,
  SelectQueryBuilder,
} from 'typeorm';

type Tenanted = ObjectLiteral & { accountId: string };

/**
 * A repository bound to one account: every read, write and query builder it hands out is filtered by that
 * account, so a caller cannot forget the tenant. Rows of other accounts are simply not found (→ 404, not 403).
 */
export class ScopedRepository<T extends Tenanted> {
  constructor(
    private readonly manager: EntityManager,
    private readonly entity: EntityTarget<T>,
    readonly accountId: string,
  ) {}

  private get repo() {
    return this.manager.getRepository<T>(this.entity);
  }

  private scope(where: FindOptionsWhere<T> | FindOptionsWhere<T>[] = {}): FindOptionsWhere<T>[] {
    return (Array.isArray(where) ? where : [where]).map((w) => ({ ...w, accountId: this.accountId }));
  }

  findOneBy(where: FindOptionsWhere<T>): Promise<T | null> {
    return this.repo.findOne({ where: this.scope(where) });
  }

  find(options: Omit<FindManyOptions<T>, 'where'> & { where?: FindOptionsWhere<T> | FindOptionsWhere<T>[] } = {}) {
    return this.repo.find({ ...options, where: this.scope(options.where) });
  }

  count(where?: FindOptionsWhere<T>): Promise<number> {
    return this.repo.count({ where: this.scope(where) });
  }

  async insert(values: Omit<DeepPartial<T>, 'accountId'>): Promise<T> {
    const row = this.repo.create({ ...values, accountId: this.accountId } as DeepPartial<T>);
    return this.repo.save(row);
  }

  /** Updates the matching rows of this account; returns how many changed. */
  async update(where: FindOptionsWhere<T>, patch: Omit<DeepPartial<T>, 'accountId' | 'id'>): Promise<number> {
    const res = await this.repo.update({ ...where, accountId: this.accountId }, patch as never);
    return res.affected ?? 0;
  }

  async delete(where: FindOptionsWhere<T>): Promise<number> {
    const res = await this.repo.delete({ ...where, accountId: this.accountId });
    return res.affected ?? 0;
  }

  /** A query builder already filtered by this account; add conditions with `andWhere`. */
  query(alias: string): SelectQueryBuilder<T> {
    return this.repo.createQueryBuilder(alias).where(`${alias}.accountId = :scopeAccountId`, {
      scopeAccountId: this.accountId,
    });
  }
}

/** Entry point to account-scoped data access: `scoped(manager, accountId).repo(JobRunEntity)`. */
export function scoped(manager: EntityManager, accountId: string) {
  return {
    accountId,
    repo: <T extends Tenanted>(entity: EntityTarget<T>) => new ScopedRepository<T>(manager, entity, accountId),
  };
}
