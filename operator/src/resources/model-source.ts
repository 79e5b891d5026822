// Where a model file comes from, parsed from spec.model.uri (the schema has already checked the form).
import type { ModelSource } from '../api/types';

export type ModelLocation =
  /** A file inside the server image (or one the image mounts). */
  | { kind: 'file'; path: string }
  /** A file on a PersistentVolumeClaim in the model's namespace. */
  | { kind: 'pvc'; claimName: string; path: string }
  /** A URL an init container downloads, checked against sha256. */
  | { kind: 'http'; url: string; sha256: string };

export class ModelUriError extends Error {
  override readonly name = 'ModelUriError';
}

/** Scheme, host and path of `uri`: credentials and a signed query never reach status or logs. */
export function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return `(a URI of ${uri.length} characters)`;
  }
}

export function modelLocation(model: ModelSource): ModelLocation {
  const { uri } = model;
  if (uri.startsWith('file:///')) return { kind: 'file', path: uri.slice('file://'.length) };
  const pvc = /^pvc:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (pvc) return { kind: 'pvc', claimName: pvc[1], path: pvc[2].replace(/^\/+/, '') };
  if (uri.startsWith('http://') || uri.startsWith('https://')) {
    if (!model.sha256) throw new ModelUriError(`model.sha256 is required for ${redactUri(uri)}`);
    return { kind: 'http', url: uri, sha256: model.sha256 };
  }
  throw new ModelUriError(
    `unsupported model uri ${redactUri(uri)}: use file:///PATH, pvc://CLAIM/PATH, http:// or https://`,
  );
}
