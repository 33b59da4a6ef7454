/**
 * Container image references, validated by the OCI distribution spec's grammar (what `docker tag`
 * accepts): [registry[:port]/]path[:tag][@digest], path components lower case.
 */

export interface ImageRef {
  /** Registry host with optional port, e.g. "myacr.azurecr.io" or "127.0.0.1:5000". */
  registry?: string;
  /** Repository path within the registry, e.g. "team/sampleworker". */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST = /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;

/** Why a repository path is invalid, or undefined when it is valid. */
export function repositoryProblem(repository: string): string | undefined {
  if (repository.length === 0) return 'The image name is empty.';
  if (repository.length > 255) return 'The image name is longer than 255 characters.';
  if (/[A-Z]/.test(repository)) return `"${repository}" has upper-case letters; image names must be lower case.`;
  for (const part of repository.split('/')) {
    if (!COMPONENT.test(part)) {
      return `"${part}" is not a valid image name part: use lower-case letters and digits, separated by ".", "_", "__" or "-", not at the start or end.`;
    }
  }
  return undefined;
}

/** Why a tag is invalid, or undefined when it is valid. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'The tag is empty.';
  if (tag.length > 128) return 'The tag is longer than 128 characters.';
  if (!TAG.test(tag)) return `"${tag}" is not a valid tag: use letters, digits, "_", "." and "-", not starting with "." or "-".`;
  return undefined;
}

export class ImageRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageRefError';
  }
}

/** Parses a full reference; throws ImageRefError with the reason when it is not valid. */
export function parseImageRef(text: string): ImageRef {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageRefError(`"${digest}" is not a valid digest (expected e.g. sha256:<64 hex digits>).`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const p = tagProblem(tag);
    if (p) throw new ImageRefError(p);
  }
  let registry: string | undefined;
  const firstSlash = rest.indexOf('/');
  if (firstSlash > 0) {
    const first = rest.slice(0, firstSlash);
    // As docker does: the first part is a registry if it has a dot or a port, or is localhost.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      if (!HOST.test(first)) throw new ImageRefError(`"${first}" is not a valid registry host.`);
      registry = first;
      rest = rest.slice(firstSlash + 1);
    }
  }
  const p = repositoryProblem(rest);
  if (p) throw new ImageRefError(p);
  return { registry, repository: rest, tag, digest };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** A valid default image name from a project name: "My.Worker_Service" → "my.worker_service". */
export function defaultImageName(projectName: string): string {
  const lowered = projectName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .replace(/([._-])[._-]+/g, (m, first: string) => (m === '__' ? m : first));
  return lowered.length > 0 ? lowered : 'worker';
}

/** Validates a registry host as typed by a user (no scheme, no path). */
export function registryProblem(host: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(host)) return `Leave out the scheme: "${host.replace(/^[a-z]+:\/\//i, '')}".`;
  if (host.includes('/')) return `"${host}" has a path; give only the registry host (e.g. myregistry.azurecr.io).`;
  if (!HOST.test(host)) return `"${host}" is not a valid registry host.`;
  return undefined;
}
