import { openSilentPorts, type SilentPorts } from '../../test/helpers/silent-port.js';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';

export type { SilentPorts };

/**
 * Opens `count` silent ports with the test suite's helper (a python3 child holding listen(0) sockets whose accept
 * queues are full), killing the holder on Ctrl-C or a failure too.
 */
export async function silentPorts(count: number, cleanup: Cleanup, timeoutMs = 30_000): Promise<SilentPorts> {
  let forget = () => {};
  const silent = await openSilentPorts(count, { timeoutMs, onHolder: (pid) => (forget = cleanup.add(() => killQuietly(pid))) });
  return {
    ...silent,
    async close() {
      await silent.close();
      forget();
    },
  };
}
