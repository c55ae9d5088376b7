// The container engine the container runner's tests use: Podman's (or Docker's) socket with the
// local busybox image that scripts/podman-setup.sh builds. Without one the tests are skipped,
// except under CI, where a missing engine is a failure.
import Docker from 'dockerode';
import { ContainerRunner } from '../src/runners/index.ts';

export const TEST_IMAGE = 'localhost/eddy-busybox:latest';

/** The engine as dockerode sees it, for what a test checks behind the runner's back. */
export function engineClient(runner: ContainerRunner): Docker {
  return new Docker({ socketPath: runner.engine.slice('unix://'.length) });
}

/** `false` when the engine and image are there; otherwise why the tests are skipped. */
export async function skipWithoutEngine(): Promise<string | false> {
  const runner = new ContainerRunner();
  let problem: string | undefined;
  try {
    await runner.check();
    await engineClient(runner).getImage(TEST_IMAGE).inspect();
  } catch (error) {
    problem = `${(error as Error).message} (run scripts/podman-setup.sh)`;
  }
  if (problem === undefined) return false;
  if (process.env.CI) throw new Error(`CI needs a container engine: ${problem}`);
  return `no container engine: ${problem}`;
}
