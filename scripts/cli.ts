import { parseArgs } from 'node:util';
import {
  AccountInputError,
  createAccount,
  findAccountBySlug,
  issueToken,
  revokeToken,
  userForRole,
} from '@customer-hub/accounts';
import { isRole } from '@customer-hub/contracts';
import { bootstrap, connectPostgres } from '@customer-hub/runtime';

const USAGE = `Usage: npm run cli -- <command> [options]

  account:create --name "Acme Foods" --admin-email ops@acme.test [--slug acme-foods]
      Creates an account and its first admin; prints the admin's token once.
  token:create --account <slug> --role admin|staff|ops [--email someone@acme.test] [--name "CI"]
      Issues a token for a user with that role (made for the purpose if none exists); prints it once.
  token:revoke --account <slug> --id <token id>
      Revokes a token at once.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      'admin-email': { type: 'string' },
      slug: { type: 'string' },
      account: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      id: { type: 'string' },
    },
  });
  const need = (k: keyof typeof values) => {
    const v = values[k];
    if (typeof v !== 'string' || !v) throw new AccountInputError(`--${k} is required for ${command}`);
    return v;
  };
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const { config } = bootstrap('cli');
  const ds = await connectPostgres(config, 3_000);
  try {
    switch (command) {
      case 'account:create': {
        const r = await createAccount(ds, { name: need('name'), adminEmail: need('admin-email'), slug: values.slug });
        process.stdout.write(
          `Created account "${r.account.name}" (slug ${r.account.slug}) with admin ${r.admin.email}.\n` +
            `Admin token (shown once, store it now):\n${r.token.token}\n`,
        );
        return 0;
      }
      case 'token:create': {
        const role = need('role');
        if (!isRole(role) || role === 'customer') throw new AccountInputError('--role must be admin, staff or ops');
        const account = await findAccountBySlug(ds, need('account'));
        if (!account) throw new AccountInputError(`no account with slug "${values.account}"`);
        const issued = await ds.transaction(async (m) => {
          const user = await userForRole(m, account.id, role, values.email);
          return issueToken(m, user, values.name ?? `${role} token (cli)`);
        });
        process.stdout.write(`${role} token for ${account.slug} (shown once, store it now):\n${issued.token}\n`);
        return 0;
      }
      case 'token:revoke': {
        const account = await findAccountBySlug(ds, need('account'));
        if (!account || !(await revokeToken(ds, account.id, need('id')))) {
          throw new AccountInputError('no such token in that account');
        }
        process.stdout.write('Token revoked.\n');
        return 0;
      }
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
        return 2;
    }
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof AccountInputError ? 'Error' : 'Failed'}: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
