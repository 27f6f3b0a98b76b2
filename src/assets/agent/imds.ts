/** The node agent's IMDSv2 client; it lives beside the cloud code so node workflows can use it too. */
export {Imds, ImdsError, type ImdsOptions} from '../../cloud/aws/imds.js'
