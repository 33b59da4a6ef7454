/**
 * Messages between the Doctor panel's host (doctorPanel.ts) and its page (media/doctor/doctor.js).
 * Both sides validate what they receive; the page's checks mirror `isPageMessage`.
 */
import type { DoctorReport } from '../../tools/doctor';

export type HostMessage =
  | { type: 'checking' }
  | { type: 'report'; report: DoctorReport; checkedAt: string; trusted: boolean }
  | { type: 'untrusted' };

export type PageMessage =
  | { type: 'ready' }
  | { type: 'recheck' }
  | { type: 'openSetting'; setting: string }
  | { type: 'openInstall'; tool: string }
  | { type: 'showOutput' };

const TOOL_NAMES = new Set(['docker', 'helm', 'kubectl', 'az', 'dotnet']);
const SETTINGS = new Set(['aksWorker.paths.docker', 'aksWorker.paths.helm', 'aksWorker.paths.kubectl', 'aksWorker.paths.az', 'aksWorker.paths.dotnet']);

export function isPageMessage(value: unknown): value is PageMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'recheck':
    case 'showOutput':
      return Object.keys(m).length === 1;
    case 'openSetting':
      return typeof m.setting === 'string' && SETTINGS.has(m.setting) && Object.keys(m).length === 2;
    case 'openInstall':
      return typeof m.tool === 'string' && TOOL_NAMES.has(m.tool) && Object.keys(m).length === 2;
    default:
      return false;
  }
}
