/* A probe summarised for the Workflow view; no YAML parser here, so the view can load it at activation. */

export interface ProbeSummary {
  kind: 'liveness' | 'readiness' | 'startup';
  handler: string;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

/** A probe as Helm rendered it, summarised like summarizeProbes does. */
export function summarizeRendered(kind: ProbeSummary['kind'], p: Record<string, unknown>): ProbeSummary {
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
  return { kind, handler: describeHandler(p), periodSeconds: num('periodSeconds'), failureThreshold: num('failureThreshold'), timeoutSeconds: num('timeoutSeconds') };
}

export function describeHandler(p: Record<string, unknown>): string {
  const h = p.httpGet as { path?: unknown; port?: unknown } | undefined;
  if (h) return `httpGet ${String(h.path ?? '/')} on ${String(h.port ?? '?')}`;
  const t = p.tcpSocket as { port?: unknown } | undefined;
  if (t) return `tcpSocket ${String(t.port ?? '?')}`;
  const e = p.exec as { command?: unknown } | undefined;
  if (e) return `exec ${Array.isArray(e.command) ? e.command.join(' ') : ''}`.trim();
  const g = p.grpc as { port?: unknown } | undefined;
  if (g) return `grpc ${String(g.port ?? '?')}`;
  return 'no handler';
}
