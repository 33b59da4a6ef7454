import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyBuildLine, buildFailure, buildPercent, newBuildState } from '../../src/core/dockerBuild';
import { mapAzError } from '../../src/tools/az';
import { mapDockerError } from '../../src/tools/docker';
import { ActionableError, ToolExitError } from '../../src/tools/errors';

const reference = join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'docker');
const feed = (text: string) => text.split(/\r?\n/).reduce(applyBuildLine, newBuildState());

describe('docker build output', () => {
  it('BuildKit plain: steps, progress and the image id', () => {
    const s = feed(readFileSync(join(reference, 'build-bx-plain.txt'), 'utf8'));
    assert.equal(s.builder, 'buildkit');
    assert.equal(s.stepCount, 3);
    assert.match(s.currentStep ?? '', /^\[3\/3\] COPY app\.txt/);
    assert.match(s.imageId ?? '', /^sha256:d10e5c0e/);
    assert.equal(buildPercent(s), 67);
  });
  it('legacy builder: steps and the image id', () => {
    const s = feed(readFileSync(join(reference, 'build-run-legacy.txt'), 'utf8'));
    assert.equal(s.builder, 'legacy');
    assert.equal(s.stepIndex, 3);
    assert.equal(s.imageId, '57bbbc881884');
  });
  it('BuildKit failure names the step, the Dockerfile line and the error', () => {
    const s = feed(`#9 [build 4/7] RUN dotnet restore "./src/W/W.csproj"
#9 0.412 error NU1101: Unable to find package Foo
#9 ERROR: process "/bin/sh -c dotnet restore \\"./src/W/W.csproj\\"" did not complete successfully: exit code: 1
------
 > [build 4/7] RUN dotnet restore "./src/W/W.csproj":
0.412 error NU1101: Unable to find package Foo
------
Dockerfile:12
--------------------
  10 |     COPY ["src/W/W.csproj", "src/W/"]
  11 | >>> RUN dotnet restore "./src/W/W.csproj"
--------------------
ERROR: failed to solve: process "/bin/sh -c dotnet restore \\"./src/W/W.csproj\\"" did not complete successfully: exit code: 1`);
    assert.equal(s.failedStep, '[build 4/7] RUN dotnet restore "./src/W/W.csproj"');
    assert.deepEqual(s.failureOutput, ['error NU1101: Unable to find package Foo']);
    assert.equal(buildFailure(s), '[build 4/7] RUN dotnet restore "./src/W/W.csproj" failed (Dockerfile:12): process "/bin/sh -c dotnet restore \\"./src/W/W.csproj\\"" did not complete successfully: exit code: 1');
  });
  it('BuildKit COPY of a missing file', () => {
    const s = feed(`#7 [build 3/6] COPY [src/Nope/Nope.csproj, src/Nope/]
#7 ERROR: failed to calculate checksum of ref abc::def: "/src/Nope/Nope.csproj": not found
------
 > [build 3/6] COPY [src/Nope/Nope.csproj, src/Nope/]:
------
Dockerfile:9
ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref abc::def: "/src/Nope/Nope.csproj": not found`);
    assert.match(buildFailure(s), /^\[build 3\/6\] COPY \[src\/Nope\/Nope\.csproj, src\/Nope\/\] failed \(Dockerfile:9\): failed to compute cache key: .*not found$/);
  });
  it('legacy failure names the step', () => {
    const s = feed(`Step 5/9 : RUN dotnet restore "./W.csproj"
 ---> Running in 1234
/bin/sh: dotnet: not found
The command '/bin/sh -c dotnet restore "./W.csproj"' returned a non-zero code: 127`);
    assert.equal(buildFailure(s), `Step 5/9 : RUN dotnet restore "./W.csproj" failed: The command '/bin/sh -c dotnet restore "./W.csproj"' returned a non-zero code: 127`);
    assert.deepEqual(s.failureOutput, ['/bin/sh: dotnet: not found']);
  });
});

describe('error mapping', () => {
  const exit = (tool: string, stderr: string) => new ToolExitError(tool, `${tool} x`, 1, stderr);
  const code = (e: unknown) => (e instanceof ActionableError ? e.code : 'unmapped');
  it('docker', () => {
    assert.equal(code(mapDockerError(exit('docker', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'))), 'engine-not-running');
    assert.equal(code(mapDockerError(exit('docker', 'unauthorized: authentication required'), { registry: 'r.io' })), 'registry-unauthorized');
    assert.equal(code(mapDockerError(exit('docker', 'Error response from daemon: Get "https://nope.azurecr.io/v2/": dial tcp: lookup nope.azurecr.io: no such host'))), 'registry-unreachable');
    assert.equal(code(mapDockerError(exit('docker', 'An image does not exist locally with the tag: r.io/x'))), 'image-not-found');
    assert.equal(code(mapDockerError(exit('docker', 'something else'))), 'unmapped');
    assert.match((mapDockerError(exit('docker', 'unauthorized: authentication required'), { registry: 'r.io' }) as Error).message, /to r\.io \(401\)/);
  });
  it('az', () => {
    assert.equal(code(mapAzError(exit('az', "ERROR: Please run 'az login' to setup account."))), 'az-not-logged-in');
    const attach = mapAzError(exit('az', 'ERROR: Could not create a role assignment for ACR. Are you an Owner on this subscription?'));
    assert.equal(code(attach), 'attach-acr-forbidden');
    assert.match((attach as Error).message, /User Access Administrator/);
    assert.equal(code(mapAzError(exit('az', "ERROR: The resource with name 'nope' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription"))), 'azure-not-found');
  });
});
