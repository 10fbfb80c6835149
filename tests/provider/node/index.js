// A Node.js Pulumi program that constructs atlas-lambda components remotely, as a
// TypeScript consumer's generated SDK would (`remote: true`, outputs declared as undefined
// inputs). Run by test_node_consumer.py against the fake engine: PULUMI_NODEJS_MONITOR/
// ENGINE/PROJECT/STACK/DRY_RUN set there, in the program's directory (a temporary folder
// holding `function/`), as Pulumi runs it. The first argument picks the program:
//   blocks   the five building blocks, one component's Output feeding the next;
//   pattern  AtlasLambda, the whole pattern in one component;
//   refused  AtlasLambda with a reserved concurrency the M10 tier cannot serve.
// Each gets `sourceDir: "./function"` as a TypeScript program would: relative to that
// directory, and packaged by the plugin (code + dependency layer).
// Prints one JSON object: each component's URN and outputs ("<unknown>" in a preview).
"use strict";
const pulumi = require("@pulumi/pulumi");

const OUTPUTS = {
  AtlasLambda: ["projectId", "clusterName", "clusterType", "vpcId", "vpcEndpointId",
    "connectionString", "functionName", "functionArn", "invocationArn", "url", "roleArn",
    "databaseUser", "logGroup"],
  AtlasCluster: ["projectId", "clusterName", "clusterType", "srvConnectionString"],
  Network: ["vpcId", "subnetIds"],
  PrivateEndpoint: ["securityGroupId", "vpcEndpointId", "endpointServiceName", "serviceZones",
    "privateSrvConnectionString"],
  MongoLambda: ["functionName", "functionArn", "roleArn", "securityGroupId", "logGroupName",
    "functionUrl"],
  IamDatabaseUser: ["username"],
};

class Remote extends pulumi.ComponentResource {
  constructor(type, name, args) {
    const props = { ...args };
    for (const output of OUTPUTS[type]) if (!(output in props)) props[output] = undefined;
    super(`atlas-lambda:index:${type}`, name, props, {}, true);
    this.componentType = type;
  }
}

async function describe(resource) {
  const outputs = {};
  for (const key of OUTPUTS[resource.componentType]) {
    const output = resource[key];
    outputs[key] = (await output.isKnown) ? await output.promise() : "<unknown>";
  }
  return { urn: await resource.urn.promise(), outputs };
}

function blocks() {
  const cluster = new Remote("AtlasCluster", "db", {
    clusterName: "orders", awsRegion: "us-east-1", orgId: "0123456789abcdef01234567",
  });
  const network = new Remote("Network", "net", { availabilityZones: 3 });
  const endpoint = new Remote("PrivateEndpoint", "pl", {
    projectId: cluster.projectId, clusterName: cluster.clusterName, awsRegion: "us-east-1",
    vpcId: network.vpcId, subnetIds: network.subnetIds, clusterTier: "M10",
  });
  const fn = new Remote("MongoLambda", "fn", {
    functionName: "orders-api", vpcId: network.vpcId, subnetIds: network.subnetIds,
    databaseSecurityGroupId: endpoint.securityGroupId,
    mongodbSrv: endpoint.privateSrvConnectionString, databaseName: "app",
    sourceDir: "./function",
    functionUrlEnabled: true, memorySize: 2048, reservedConcurrency: 50,
  });
  const user = new Remote("IamDatabaseUser", "user", {
    projectId: cluster.projectId, roleArn: fn.roleArn, clusterName: cluster.clusterName,
    databaseName: "app",
  });
  return {
    AtlasCluster: cluster, Network: network, PrivateEndpoint: endpoint, MongoLambda: fn,
    IamDatabaseUser: user,
  };
}

function pattern() {
  const app = new Remote("AtlasLambda", "app", {
    orgId: "5f0000000000000000000001", awsRegion: "us-east-1", sourceDir: "./function",
    reservedConcurrency: 100,
  });
  return { AtlasLambda: app };
}

function refused() {
  // M10 allows 1490 connections, 2 per environment: 745 environments at most.
  const app = new Remote("AtlasLambda", "app", {
    orgId: "5f0000000000000000000001", awsRegion: "us-east-1", sourceDir: "./function",
    tier: "M10", reservedConcurrency: 900,
  });
  return { AtlasLambda: app };
}

const PROGRAMS = { blocks, pattern, refused };

async function main() {
  const program = PROGRAMS[process.argv[2] || "blocks"];
  if (!program) throw new Error(`unknown program ${process.argv[2]}`);
  const result = {};
  for (const [type, resource] of Object.entries(program())) {
    result[type] = await describe(resource);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  await pulumi.runtime.disconnect(); // wait for outstanding RPCs, as the language host does
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
