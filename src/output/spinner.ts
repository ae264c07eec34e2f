import type { Output } from "./output.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A one-line spinner on stderr while slow work runs; nothing at all unless stderr is a terminal
 * and the run is neither --json nor --quiet. stop() clears the line.
 */
export function startSpinner(out: Output, text: string): () => void {
  if (!out.interactive) return () => {};
  let frame = 0;
  const draw = () => out.progress(`\r${FRAMES[frame++ % FRAMES.length]} ${text}`);
  draw();
  const timer = setInterval(draw, 100);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    out.progress("\r\u001B[2K");
  };
}
