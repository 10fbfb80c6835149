// A TypeScript consumer of the atlas-lambda component package. First:
//   pulumi package add https://github.com/<owner>/atlas-lambda/provider@<tag>
// which generates the SDK into sdks/atlas-lambda and adds it to package.json.
import * as pulumi from "@pulumi/pulumi";
import * as atlasLambda from "@pulumi/atlas-lambda";

const config = new pulumi.Config();
const cluster = new atlasLambda.AtlasCluster("db", {
    clusterName: "orders",
    awsRegion: "us-east-1",
    orgId: config.require("orgId"),
});
const network = new atlasLambda.Network("net", { availabilityZones: 2 });
const endpoint = new atlasLambda.PrivateEndpoint("pl", {
    projectId: cluster.projectId,
    clusterName: cluster.clusterName,
    awsRegion: "us-east-1",
    vpcId: network.vpcId,
    subnetIds: network.subnetIds,
    clusterTier: "M10",
});
const fn = new atlasLambda.MongoLambda("fn", {
    functionName: "orders-api",
    vpcId: network.vpcId,
    subnetIds: network.subnetIds,
    databaseSecurityGroupId: endpoint.securityGroupId,
    mongodbSrv: endpoint.privateSrvConnectionString,
    databaseName: "app",
    reservedConcurrency: 50,
    // Packaged by the component for arm64/python3.14: handler.py as the code, the pinned
    // requirements.txt as a dependency layer. Relative to this program's directory.
    sourceDir: "./function",
});
new atlasLambda.IamDatabaseUser("user", {
    projectId: cluster.projectId,
    roleArn: fn.roleArn,
    clusterName: cluster.clusterName,
    databaseName: "app",
});
export const functionName = fn.functionName;
