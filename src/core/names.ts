/**
 * Kubernetes and Helm names, checked before they reach kubectl or helm: a name from the cluster, a
 * setting, a Chart.yaml or a command-line flag is a name, never an option (`--all`, `--kubeconfig=…`).
 */

export type NameKind = 'pod' | 'release' | 'namespace';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const NAME_RULES: Record<NameKind, { max: number; pattern: RegExp; rule: string; example: string }> = {
  // Kubernetes: pod names are DNS-1123 subdomains.
  pod: { max: 253, pattern: SUBDOMAIN, rule: 'lowercase letters, digits, "-" and ".", starting and ending with a letter or digit', example: 'worker-7d9f8-abcde' },
  // Helm's own rule (pkg/chartutil ValidateReleaseName): a DNS-1123 subdomain of at most 53 characters.
  release: { max: 53, pattern: SUBDOMAIN, rule: 'lowercase letters, digits, "-" and ".", starting and ending with a letter or digit', example: 'sample-worker' },
  // Kubernetes: namespace names are DNS-1123 labels.
  namespace: { max: 63, pattern: LABEL, rule: 'lowercase letters, digits and "-", starting and ending with a letter or digit', example: 'my-team' },
};

/** Why `name` is not a valid name of this kind (a sentence), or undefined when it is valid. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  const r = NAME_RULES[kind];
  if (!name) return `A ${kind} name cannot be empty.`;
  if (name.length > r.max) return `A ${kind} name has at most ${r.max} characters (this one has ${name.length}).`;
  if (!r.pattern.test(name)) return `A ${kind} name uses only ${r.rule} (e.g. ${r.example}).`;
  return undefined;
}

/** A name that kubectl or helm must not be given. */
export class InvalidNameError extends Error {
  constructor(
    readonly kind: NameKind,
    readonly value: string,
    readonly problem: string,
    /** Where the name came from, as a phrase: "set by aksWorker.releaseName", "given with --release". */
    readonly origin?: string,
  ) {
    super(`${quoteName(value)} is not a valid ${kind} name${origin ? ` (${origin})` : ''}: ${problem}`);
    this.name = 'InvalidNameError';
  }
}

/** Throws InvalidNameError unless `name` is a valid name of this kind; returns it otherwise. */
export function checkName(kind: NameKind, name: string, origin?: string): string {
  const problem = nameProblem(kind, name);
  if (problem) throw new InvalidNameError(kind, name, problem, origin);
  return name;
}

/** The name in quotes, shortened and with control characters shown, for a message. */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${shown.length > 80 ? `${shown.slice(0, 77)}…` : shown}"`;
}

/**
 * A valid release name made from a folder name, for when none is given (e.g. "My_Worker" →
 * "my-worker"); Helm's own placeholder, "release-name", when nothing is left.
 */
export function releaseNameFrom(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/[-.]*\.[-.]*/g, '.')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 53)
    .replace(/[^a-z0-9]+$/, '');
  return s && !nameProblem('release', s) ? s : 'release-name';
}
