/** LaunchTemplate in a CloudFormation stack (`AWS::EC2::LaunchTemplate`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {launchTemplateKind, templateData} from './launch-template.js'

export const launchTemplateCfn = cfnRendering(launchTemplateKind, {
  type: 'AWS::EC2::LaunchTemplate',
  render: (props) => {
    return {
      Properties: {
        LaunchTemplateName: props.name,
        LaunchTemplateData: templateData(props),
        TagSpecifications: [{ResourceType: 'launch-template', Tags: toTagList(props.tags)}],
      },
    }
  },
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr === 'latestVersion' ? 'LatestVersionNumber' : attr}),
})
