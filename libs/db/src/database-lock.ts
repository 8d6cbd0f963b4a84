// PGlite is a single-process database: two processes writing one data folder would corrupt it.
// A lock file with the owner's pid makes a second process fail fast with a clear message; a lock
// left by a crashed process (pid no longer alive) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDataDirLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) rmSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `the embedded database is in use by process ${owner} (lock ${lockPath}); stop that process (for example the running cascade server) ` +
            'or point DATABASE_URL at a PostgreSQL server to share the data between processes',
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database (${lockPath})`);
}
