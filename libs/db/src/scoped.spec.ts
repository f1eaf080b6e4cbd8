import { createTestAccount, createTestEnv, type TestEnv } from '@customer-hub/testing';
import { CustomerEntity } from './entities';
import { scoped } from './scoped';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

describe('scoped repositories', () => {
  it("never reads, changes or deletes another account's rows", async () => {
    const a = await createTestAccount(env.ds);
    const b = await createTestAccount(env.ds);
    const custA = scoped(env.ds.manager, a.account.id).repo(CustomerEntity);
    const custB = scoped(env.ds.manager, b.account.id).repo(CustomerEntity);
    const mine = await custA.insert({ customerNumber: 'X-1', name: 'Mine' });
    expect(mine.accountId).toBe(a.account.id);

    expect(await custB.findOneBy({ id: mine.id })).toBeNull();
    expect(await custB.find({ where: [{ id: mine.id }, { customerNumber: 'X-1' }] })).toEqual([]);
    expect(await custB.update({ id: mine.id }, { name: 'Stolen' })).toBe(0);
    expect(await custB.delete({ id: mine.id })).toBe(0);
    expect(await custB.query('c').andWhere('c.customerNumber = :n', { n: 'X-1' }).getCount()).toBe(0);

    expect((await custA.findOneBy({ id: mine.id }))?.name).toBe('Mine');
    expect(await custA.count()).toBe(2); // the factory's customer and this one
  });

  it('keeps customer numbers unique per account, not across accounts', async () => {
    const a = await createTestAccount(env.ds);
    const b = await createTestAccount(env.ds);
    await scoped(env.ds.manager, a.account.id).repo(CustomerEntity).insert({ customerNumber: 'SAME', name: 'A' });
    await scoped(env.ds.manager, b.account.id).repo(CustomerEntity).insert({ customerNumber: 'SAME', name: 'B' });
    await expect(
      scoped(env.ds.manager, a.account.id).repo(CustomerEntity).insert({ customerNumber: 'SAME', name: 'A again' }),
    ).rejects.toThrow(/duplicate key/);
  });
});
