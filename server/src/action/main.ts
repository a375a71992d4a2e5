/** Entry of the GitHub Action bundle (action/index.js), run by the runner's Node as action.yml says. */
import { stdio } from '../cli/common';
import { runAction } from './action';
import { annotation } from './workflowCommands';
import { tuneForShortRun } from '../cli/shortRun';

tuneForShortRun();

runAction(process.env, stdio).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stdout.write(annotation({ level: 'error', message: `image-pin: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` }));
    process.exitCode = 2;
  },
);
