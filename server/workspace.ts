import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Folder {
  uri: string;
  path: string;
}

/** The scan stops after this many directory entries or models, whichever comes first. */
const MAX_SCAN_ENTRIES = 200_000;
const MAX_SCAN_MODELS = 2_000;

/** A file: URI as a normalized path; undefined for other schemes (untitled, remote). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/** Whether `p` is strictly inside `root` (both absolute). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Whether `file` is a regular file, following symbolic links wherever they lead: false for a
 * dangling link, a loop of links, a folder, a pipe or a device, and for anything unreadable.
 */
export async function isRegularFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Folders nobody keeps models in for this extension to find: dependencies and dot-folders (.git, .venv). */
function skipped(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/** The workspace folders, and which files in them the server may read. */
export class Workspace {
  private folders: Folder[] = [];

  list(): readonly Folder[] {
    return this.folders;
  }

  async add(uri: string): Promise<Folder | undefined> {
    const p = uriToPath(uri);
    if (!p || this.folders.some((f) => f.path === p)) return undefined;
    if (!(await fs.stat(p).then((st) => st.isDirectory(), () => false))) return undefined;
    const folder = { uri, path: p };
    this.folders.push(folder);
    return folder;
  }

  remove(uri: string): Folder | undefined {
    const i = this.folders.findIndex((f) => f.uri === uri || f.path === uriToPath(uri));
    return i < 0 ? undefined : this.folders.splice(i, 1)[0];
  }

  /** The innermost folder holding `file` (nested folders: the most specific wins). */
  folderOf(file: string): Folder | undefined {
    let best: Folder | undefined;
    for (const f of this.folders) if (isInside(f.path, file) && (!best || f.path.length > best.path.length)) best = f;
    return best;
  }

  /** The path globs are matched against: relative to its folder, forward slashes; the file name outside every folder. */
  relative(file: string): string {
    const f = this.folderOf(file);
    return f ? path.relative(f.path, file).split(path.sep).join('/') : path.basename(file);
  }

  /**
   * Whether the server may read `file` as a model of this workspace: its path is inside a folder,
   * not under a skipped folder, and names a regular file. A symbolic link there is the user's own
   * and is followed wherever it leads (a data drive, a Hugging Face cache), as VS Code opens it:
   * the model found by the scan is the model opened in the panel.
   */
  async admits(file: string): Promise<boolean> {
    const f = this.folderOf(file);
    if (!f) return false;
    if (path.relative(f.path, file).split(path.sep).slice(0, -1).some(skipped)) return false;
    return isRegularFile(file);
  }

  /**
   * Model files under a folder, breadth first, skipping node_modules and dot-folders. Linked
   * model files are followed; linked folders are not (a loop, or a whole data drive, would never
   * end). Stops at a cap so a huge tree cannot stall the server; says so.
   */
  async scan(folder: Folder, extensions: readonly string[]): Promise<{ files: string[]; capped: boolean }> {
    const files: string[] = [];
    const queue = [folder.path];
    let entries = 0;
    const isModel = (name: string): boolean => extensions.some((e) => name.toLowerCase().endsWith(e));
    while (queue.length) {
      const dir = queue.shift()!;
      let handle;
      try {
        handle = await fs.opendir(dir);
      } catch {
        continue;
      }
      for await (const d of handle) {
        if (++entries > MAX_SCAN_ENTRIES || files.length >= MAX_SCAN_MODELS) {
          return { files, capped: true }; // leaving the loop closes the directory
        }
        const p = path.join(dir, d.name);
        if (d.isDirectory()) {
          if (!skipped(d.name)) queue.push(p);
        } else if (isModel(d.name) && (d.isFile() || (d.isSymbolicLink() && (await this.admits(p))))) {
          files.push(p);
        }
      }
    }
    return { files, capped: false };
  }
}
