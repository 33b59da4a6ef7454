import vscode = require('vscode');
import { Sample, resolveProbePort } from '../../core/latency';
import { PodSummary } from '../../core/pods';
import { ToolError } from '../../tools/errors';
import { measurePodHealth, releasePods } from '../../tools/measure';
import { toolPaths } from '../util/config';
import { sinkFor } from '../util/log';
import { HostMessage, MeasureRequest } from './protocol';

export interface ReleaseRef {
  release: string;
  namespace: string;
}

/**
 * "Measure it" for one Probe form: lists the release's pods, port-forwards to one with kubectl and
 * calls its health endpoint, streaming the samples to the page in batches. One run at a time; the
 * run ends with the panel.
 */
export class ProbeMeasurer implements vscode.Disposable {
  private run?: AbortController;
  private pods: PodSummary[] = [];
  /** The current or last run as the page was told it, to tell a page that was reloaded (hidden and shown). */
  private record?: { started?: HostMessage; samples: Sample[]; done?: HostMessage };

  constructor(
    private readonly post: (m: HostMessage) => Thenable<boolean>,
    private readonly log: vscode.LogOutputChannel,
    private readonly releaseOf: () => ReleaseRef,
    private readonly scope?: vscode.ConfigurationScope,
  ) {}

  get running(): boolean {
    return !!this.run;
  }

  private untrusted(): string | undefined {
    return vscode.workspace.isTrusted ? undefined : 'Measuring runs kubectl, which is off in Restricted Mode. Trust this workspace to measure; the form itself still works.';
  }

  async listPods(): Promise<void> {
    const { release, namespace } = this.releaseOf();
    const blocked = this.untrusted();
    if (blocked) {
      await this.post({ type: 'pods', release, namespace, pods: [], error: blocked });
      return;
    }
    try {
      this.pods = await releasePods(release, namespace, { paths: toolPaths(this.scope), sink: sinkFor(this.log) });
      await this.post({
        type: 'pods',
        release,
        namespace,
        pods: this.pods.map((p) => ({ name: p.name, status: p.status, ready: p.health === 'ready' })),
        ...(this.pods.length ? {} : { error: `Release ${release} has no pods in ${namespace}. Install it (Install or Upgrade), then refresh.` }),
      });
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.log.warn(`Measure it: listing pods: ${text}`);
      await this.post({ type: 'pods', release, namespace, pods: [], error: `Could not list the pods of ${release} in ${namespace}: ${text}` });
    }
  }

  async start(m: MeasureRequest): Promise<void> {
    const blocked = this.untrusted();
    if (blocked) return void (await this.post({ type: 'measureDone', ended: 'failed', message: blocked }));
    if (this.run) return void (await this.post({ type: 'measureDone', ended: 'failed', message: 'A measurement is already running: stop it first.' }));
    const { namespace } = this.releaseOf();
    const pod = this.pods.find((p) => p.name === m.pod);
    if (!pod) return void (await this.post({ type: 'measureDone', ended: 'failed', message: `${m.pod} is not one of the release's pods any more; refresh the list.` }));
    const port = resolveProbePort(m.handler.port, pod.containers);
    if (port === undefined) return void (await this.post({ type: 'measureDone', ended: 'failed', message: `The probe's port "${m.handler.port}" is not a port of ${pod.name}'s containers (${pod.containers.flatMap((c) => c.ports).map((p) => `${p.name ?? '?'} = ${p.containerPort}`).join(', ') || 'none declared'}).` }));
    const run = new AbortController();
    this.run = run;
    const record: NonNullable<ProbeMeasurer['record']> = { samples: [] };
    this.record = record;
    const done = async (m: HostMessage) => {
      record.done = m;
      await this.post(m);
    };
    let batch: Sample[] = [];
    const flush = () => {
      if (!batch.length) return;
      const samples = batch;
      batch = [];
      record.samples.push(...samples);
      void this.post({ type: 'measureSamples', samples });
    };
    const timer = setInterval(flush, 250);
    this.log.info(`Measure it: ${pod.name} port ${port} ${m.handler.path} for ${m.durationSeconds} s (request timeout ${m.requestTimeoutSeconds} s)`);
    try {
      const r = await measurePodHealth({
        paths: toolPaths(this.scope),
        sink: sinkFor(this.log),
        signal: run.signal,
        pod: pod.name,
        namespace,
        port,
        path: m.handler.path,
        scheme: m.handler.scheme,
        headers: m.handler.headers,
        durationMs: m.durationSeconds * 1000,
        requestTimeoutMs: m.requestTimeoutSeconds * 1000,
        onForwarding: (localPort) => {
          record.started = { type: 'measureStarted', pod: pod.name, port, localPort, durationSeconds: m.durationSeconds, requestTimeoutSeconds: m.requestTimeoutSeconds, startedAt: Date.now() };
          void this.post(record.started);
        },
        onSample: (s) => batch.push(s),
      });
      clearInterval(timer);
      flush();
      this.log.info(`Measure it: ${r.samples.length} requests, ended: ${r.ended}${r.lostReason ? ` (${r.lostReason})` : ''}`);
      await done({ type: 'measureDone', ended: r.ended, ...(r.lostReason ? { message: r.lostReason } : {}) });
    } catch (err) {
      clearInterval(timer);
      flush();
      const text = err instanceof Error ? err.message : String(err);
      this.log.error(`Measure it: ${text}`);
      await done({ type: 'measureDone', ended: 'failed', message: err instanceof ToolError ? text : `Measuring failed: ${text}` });
    } finally {
      if (this.run === run) this.run = undefined;
    }
  }

  /** Tells a freshly loaded page about the current or last run (or that there is none). */
  async replay(): Promise<void> {
    const r = this.record;
    if (!r?.started) {
      await this.post(r?.done ?? { type: 'measureDone', ended: 'stopped' });
      return;
    }
    await this.post(r.started);
    if (r.samples.length) await this.post({ type: 'measureSamples', samples: r.samples });
    if (r.done) await this.post(r.done);
  }

  stop(): void {
    this.run?.abort();
  }

  dispose(): void {
    this.stop();
  }
}
