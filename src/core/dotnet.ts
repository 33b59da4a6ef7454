const SUPPORTED: Record<string, string> = { 'net6.0': '6.0', 'net7.0': '7.0', 'net8.0': '8.0', 'net9.0': '9.0', 'net10.0': '10.0' };

/**
 * The dotnet image tag for a target framework moniker (net8.0 → "8.0"). OS-specific TFMs such as
 * net8.0-windows cannot run in a Linux container, and other frameworks have no image: both are errors.
 */
export function dotnetImageTag(tfm: string): string {
  const t = tfm.trim().toLowerCase();
  if (SUPPORTED[t]) return SUPPORTED[t];
  const os = /^(net\d+\.\d+)-(\w+)/.exec(t);
  if (os && SUPPORTED[os[1]]) {
    throw new Error(`${tfm} targets ${os[2]}; a Linux container needs a plain ${os[1]} target framework.`);
  }
  if (/^(netcoreapp|netstandard|net4|net[1-5]\b)/.test(t)) {
    throw new Error(`${tfm} is not supported here: the Dockerfile uses the .NET 6 to 10 images (net6.0 … net10.0). Retarget the project or write the Dockerfile by hand.`);
  }
  throw new Error(`${tfm} is not a target framework this extension knows (it knows net6.0 … net10.0). Pick the image version by hand.`);
}

/** The major .NET version of a net5+ framework ("net8.0" → 8, "net8.0-linux" → 8), else undefined. */
export function dotnetMajor(tfm: string): number | undefined {
  const m = /^net(\d+)\.\d+/i.exec(tfm.trim());
  return m && Number(m[1]) >= 5 ? Number(m[1]) : undefined;
}

/**
 * The SDK image tag that can restore every framework of the closure: restore covers all frameworks of
 * every project, so a worker on net8.0 with a library that also targets net10.0 needs sdk:10.0.
 */
export function sdkImageTag(runtimeTfm: string, allTfms: readonly string[]): string {
  const own = dotnetImageTag(runtimeTfm);
  const highest = Math.max(Number(own.split('.')[0]), ...allTfms.map((t) => dotnetMajor(t) ?? 0));
  return highest > Number(own.split('.')[0]) ? `${highest}.0` : own;
}
