import net, { type AddressInfo } from 'node:net';

/**
 * A local port nothing listens on now, as the system hands them out: for a server a test starts as its own
 * process. A random pick can meet a port in use.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
