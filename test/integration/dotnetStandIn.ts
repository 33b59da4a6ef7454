import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const DOTNET = `#!/bin/sh
# STAND-IN for the dotnet CLI (AKS Worker Deploy test rig) - not the real .NET SDK.
set -e
cmd="$1"; shift || true
fail() { echo "$1" >&2; exit 1; }
case "$cmd" in
  restore)
    proj="$1"
    [ -f "$proj" ] || fail "MSBUILD : error MSB1009: Project file does not exist. Switch: $proj"
    d=$(dirname "$proj"); mkdir -p "$d/obj"; echo '{"version":3}' > "$d/obj/project.assets.json"
    echo "  Restored $proj" ;;
  build|publish)
    proj="$1"; shift
    [ -f "$proj" ] || fail "MSBUILD : error MSB1009: Project file does not exist. Switch: $proj"
    d=$(dirname "$proj")
    [ -f "$d/obj/project.assets.json" ] || fail "error NETSDK1004: Assets file '$d/obj/project.assets.json' not found. Run a NuGet package restore to generate this file."
    ls "$d"/*.cs >/dev/null 2>&1 || fail "error CS5001: Program does not contain a static 'Main' method suitable for an entry point"
    out=""
    while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -c) shift 2 ;; *) shift ;; esac; done
    [ -n "$out" ] || fail "stand-in: -o is required"
    asm=$(sed -n 's:.*<AssemblyName>\\(.*\\)</AssemblyName>.*:\\1:p' "$proj")
    [ -n "$asm" ] || asm=$(basename "$proj" .csproj)
    mkdir -p "$out"; echo "stand-in assembly $asm ($cmd)" > "$out/$asm.dll"
    echo "  $asm -> $out/$asm.dll" ;;
  *.dll) [ -f "$cmd" ] || fail "Could not execute because the specified command or file was not found."; echo "running $cmd" ;;
  *) fail "dotnet stand-in: unsupported command '$cmd'" ;;
esac
`;

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
    writeFileSync(join(dir, 'dotnet'), DOTNET, { mode: 0o755 });
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        '# STAND-IN for a .NET image (test rig)',
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        'COPY dotnet /usr/bin/dotnet',
        'ENV APP_UID=1654 DOTNET_STAND_IN=1',
        'LABEL org.opencontainers.image.description="STAND-IN for a .NET image, AKS Worker Deploy test rig"',
        '',
      ].join('\n'),
    );
    const tags = ['sdk', 'aspnet', 'runtime'].map((k) => `mcr.microsoft.com/dotnet/${k}:${version}`);
    await buildImage({ dockerfile: join(dir, 'Dockerfile'), context: dir, tags, extraArgs: ['--network', 'none'] }, { env: o.env });
    return tags;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
