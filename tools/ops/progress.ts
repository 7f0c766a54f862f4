// A progress bar for long reads, on a terminal only: scripts and --json output stay clean.
import { SingleBar, Presets } from 'cli-progress';

/** A callback for readRanges that draws `label`'s progress on stderr; a no-op when nobody watches. */
export function progressBar(
  label: string,
  json: boolean,
): { update: (done: number, total: number) => void; stop: () => void } {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} |{bar}| {value}/{total} records`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
