// A TypeScript consumer of the atlas-lambda component package. First:
//   pulumi package add https://github.com/<owner>/atlas-lambda/provider@<tag>
// which generates the SDK into sdks/atlas-lambda and adds it to package.json.
//
// AtlasLambda is the whole pattern: Atlas project and M10 cluster, a VPC with private
// subnets, a PrivateLink endpoint, the function, and its role as the IAM database user.
// Its inputs are the stack's config keys; every one has the stack's default.
import * as pulumi from "@pulumi/pulumi";
import * as atlasLambda from "@pulumi/atlas-lambda";

const config = new pulumi.Config();
const app = new atlasLambda.AtlasLambda("app", {
    orgId: config.require("orgId"),
    awsRegion: "us-east-1",
    reservedConcurrency: 100,
    // Packaged by the component for arm64/python3.14: handler.py as the code, the pinned
    // requirements.txt as a dependency layer. Relative to this program's directory.
    sourceDir: "./function",
});
export const functionName = app.functionName;
export const databaseUser = app.databaseUser;
