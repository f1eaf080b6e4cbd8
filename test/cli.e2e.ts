import { spawn } from 'node:child_process';
import path from 'node:path';
import { principalForToken } from '@customer-hub/accounts';
import { createTestEnv, type TestEnv } from '@customer-hub/testing';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

async function run(args: string[]) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../scripts/cli.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env.env },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

const tokenIn = (out: string) => /chub_[A-Za-z0-9_-]{43}/.exec(out)?.[0];

describe('npm run cli', () => {
  it('account:create makes an account and admin and prints a working token once', async () => {
    const res = await run(['account:create', '--name', 'Acme Foods', '--admin-email', 'ops@acme.test']);
    expect(res.code).toBe(0);
    expect(res.out).toContain('Created account "Acme Foods" (slug acme-foods) with admin ops@acme.test.');
    const token = tokenIn(res.out)!;
    expect(await principalForToken(env.ds, token)).toMatchObject({
      role: 'admin',
      email: 'ops@acme.test',
      accountSlug: 'acme-foods',
    });
  });

  it('token:create issues an ops token for the account', async () => {
    const res = await run(['token:create', '--account', 'acme-foods', '--role', 'ops']);
    expect(res.code).toBe(0);
    expect(await principalForToken(env.ds, tokenIn(res.out)!)).toMatchObject({
      role: 'ops',
      accountSlug: 'acme-foods',
    });
  });

  it('token:revoke revokes a token by id', async () => {
    const res = await run(['token:create', '--account', 'acme-foods', '--role', 'staff', '--email', 'clerk@acme.test']);
    const p = await principalForToken(env.ds, tokenIn(res.out)!);
    const revoke = await run(['token:revoke', '--account', 'acme-foods', '--id', p!.tokenId!]);
    expect(revoke.code).toBe(0);
    expect(await principalForToken(env.ds, tokenIn(res.out)!)).toBeNull();
  });

  it.each([
    [
      ['account:create', '--name', 'Acme Foods', '--admin-email', 'x@acme.test'],
      'an account with slug "acme-foods" exists already',
    ],
    [['account:create', '--name', 'No Admin'], '--admin-email is required for account:create'],
    [
      ['account:create', '--name', 'Bad Mail', '--admin-email', 'not-an-email'],
      '"not-an-email" is not an email address',
    ],
    [['token:create', '--account', 'nobody', '--role', 'ops'], 'no account with slug "nobody"'],
    [['token:create', '--account', 'acme-foods', '--role', 'king'], '--role must be admin, staff or ops'],
  ])('%j fails with a clear message', async (args, message) => {
    const res = await run(args);
    expect(res.code).toBe(1);
    expect(res.out).toContain(message);
  });

  it('prints usage for an unknown command', async () => {
    const res = await run(['frobnicate']);
    expect(res.code).toBe(2);
    expect(res.out).toContain('Usage: npm run cli');
  });
});
