import {workflowCommand} from '../../cli/phase-command.js'
import {joinCommandSpec} from '../../phases/join/cli.js'

/** `kforge join ENDPOINT`: the join workflow, generated from src/phases/join/workflow.ts. */
export default workflowCommand(joinCommandSpec)
