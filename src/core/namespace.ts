/**
 * Which Kubernetes namespace the extension releases into and watches, and why: the
 * `aksWorker.namespace` setting, else the namespace picked with Pick Namespace, else the current
 * context's namespace, else `default`. One answer for every command.
 */
import { NAME_RULES } from './names';

export type NamespaceSource = 'setting' | 'picked' | 'context' | 'default';

export interface NamespaceInputs {
  /** `aksWorker.namespace` (empty or blank means unset). */
  setting?: string;
  /** Where the setting is set, in words ("Workspace Settings"), for the explanation. */
  settingScope?: string;
  /** The namespace chosen with Pick Namespace. */
  picked?: string;
  /** The current kubeconfig context: its name and namespace. */
  context?: { name?: string; namespace?: string };
}

export interface ResolvedNamespace {
  namespace: string;
  source: NamespaceSource;
  /** Where the namespace comes from, as a sentence end: "set by aksWorker.namespace in Workspace Settings". */
  why: string;
}

const clean = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

export function resolveNamespace(i: NamespaceInputs): ResolvedNamespace {
  const setting = clean(i.setting);
  if (setting) return { namespace: setting, source: 'setting', why: `set by aksWorker.namespace${i.settingScope ? ` in ${i.settingScope}` : ''}` };
  const picked = clean(i.picked);
  if (picked) return { namespace: picked, source: 'picked', why: 'picked with Pick Namespace' };
  const ctxNs = clean(i.context?.namespace);
  if (ctxNs) return { namespace: ctxNs, source: 'context', why: `the namespace of context ${i.context?.name ?? '(current)'}` };
  return {
    namespace: 'default',
    source: 'default',
    why: i.context?.name ? `context ${i.context.name} names no namespace, so Kubernetes uses default` : 'no context names a namespace, so Kubernetes uses default',
  };
}

/** A message when `name` is not a namespace name Kubernetes accepts (an RFC 1123 label), else undefined. */
export function namespaceNameProblem(name: string): string | undefined {
  const s = name.trim();
  if (!s) return 'Type a namespace name.';
  const rule = NAME_RULES.namespace;
  if (s.length > rule.max) return `A namespace name has at most ${rule.max} characters (this one has ${s.length}).`;
  if (!rule.pattern.test(s)) return 'Lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. my-team).';
  return undefined;
}

/**
 * Whether Install or Ship asks before releasing a chart: the first time (nothing confirmed for the
 * chart), and whenever the namespace it would use is not the one confirmed last time.
 */
export function needsNamespaceConfirmation(confirmed: string | undefined, resolved: string): boolean {
  return confirmed !== resolved;
}
