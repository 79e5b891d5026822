// The model as the server presents it: the name clients use, the version and checksum of the file,
// and the contract read from its metadata.
import type { ModelMetadata } from '../model/metadata';

export interface ServedModel {
  name: string;
  version: string;
  sha256: string;
  metadata: ModelMetadata;
}
