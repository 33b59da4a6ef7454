import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../src/tools/docker';

/**
 * STAND-IN for the .NET SDK and runtime images, which cannot be pulled here. A busybox image whose
 * `dotnet` is a script that checks its arguments and writes what the real CLI would: restore writes
 * obj/project.assets.json next to the project, build and publish need that restore output and the
 * sources, and write <Assembly>.dll into -o. Tagged exactly as the generated Dockerfile names them,
 * so that Dockerfile builds unchanged; wrong COPY paths, stage names or build contexts fail as they
 * would with the real images.
 */
/** test/fixtures/dotnet-stand-in: the `dotnet` script and the Dockerfile of the stand-in images. */
const STAND_IN = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dotnet-stand-in');

export interface StandInOptions {
  env: NodeJS.ProcessEnv;
  busybox: string;
  version?: string;
}

/** Builds mcr.microsoft.com/dotnet/{sdk,aspnet,runtime}:<version> stand-ins in the rig's engine. */
export async function buildDotnetStandIns(o: StandInOptions): Promise<string[]> {
  const version = o.version ?? '8.0';
  const dir = mkdtempSync(join(tmpdir(), 'aksw-dotnet-standin-'));
  try {
    copyFileSync(o.busybox, join(dir, 'busybox'));
    chmodSync(join(dir, 'busybox'), 0o755);
    copyFileSync(join(STAND_IN, 'dotnet'), join(dir, 'dotnet'));
    chmodSync(join(dir, 'dotnet'), 0o755);
    copyFileSync(join(STAND_IN, 'Dockerfile'), join(dir, 'Dockerfile'));
    const tags = ['sdk', 'aspnet', 'runtime'].map((k) => `mcr.microsoft.com/dotnet/${k}:${version}`);
    await buildImage({ dockerfile: join(dir, 'Dockerfile'), context: dir, tags, extraArgs: ['--network', 'none'] }, { env: o.env });
    return tags;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
