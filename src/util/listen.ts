/** A server listening, with the port it got (0 asks for a free one) and a close that waits. */
import type {AddressInfo, Server} from 'node:net'

export interface RunningServer<S extends Server = Server> {
  server: S
  port: number
  close(): Promise<void>
}

/** Listen on host:port; rejects when the address cannot be bound (in use, not local). */
export async function listen<S extends Server>(
  server: S,
  host: string,
  port: number,
): Promise<RunningServer<S>> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
