/** Byte sources over files, and the folder host that opens a model's external data beside it. */
export { FileSource, FolderHost, modelFolder } from './file-source';
