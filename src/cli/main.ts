// The kenviz command line (`npm run kenviz -- <command>`): prune, apply, eval, help. Progress goes to
// stderr; the last line on stdout is one JSON summary (ok: true, or ok: false with the error).
import { runApply, APPLY_USAGE } from './apply-command';
import { runPrune, PRUNE_USAGE } from './prune-command';
import { UsageError } from './args';

const HELP = `kenviz: KEN (Kernel density Estimator for Neural network compression) from the command line

Commands:
  ${PRUNE_USAGE}
      P and F: a .safetensors file, a model.safetensors.index.json or a Hugging Face folder.
      Writes DIR/masks.safetensors (U8, 1 = keeps the fine-tuned value), DIR/model/ (the pruned model as an
      HF folder), DIR/subnetwork.safetensors (only what P lacks), DIR/report.json and DIR/report.csv.
  ${APPLY_USAGE}
      Rebuilds the pruned model (bit for bit) into DIR/model.safetensors; refuses a subnetwork made from
      another pre-trained checkpoint, or a corrupt or truncated file.
  kenviz eval ...            evaluate a model on an eval set (kenviz eval --help)
  kenviz help                this text
`;

function writeSummary(summary: unknown): void {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    switch (command) {
      case 'prune':
        writeSummary(await runPrune(rest, log));
        return 0;
      case 'apply':
        writeSummary(await runApply(rest, log));
        return 0;
      case 'eval': {
        const { runEvalCommand } = await import('./eval-command');
        return await runEvalCommand([...rest]);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (expected prune, apply, eval or help)`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`kenviz ${command ?? ''}: error: ${message}`);
    if (error instanceof UsageError) log(`run "kenviz help" for usage`);
    writeSummary({ ok: false, command: command ?? null, error: message });
    return error instanceof UsageError ? 2 : 1;
  }
}

// Exit explicitly: a stray handle (a worker, a file) must never keep the process alive after the answer.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`kenviz: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
