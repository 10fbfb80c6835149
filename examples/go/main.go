// A Go consumer of the atlas-lambda component package. First:
//
//	pulumi package add https://github.com/<owner>/atlas-lambda/provider@<tag>
//
// which generates the SDK into sdks/atlas-lambda and adds a `replace` to go.mod.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	atlaslambda "github.com/pulumi/pulumi-atlas-lambda/sdk/go/atlas-lambda"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		cluster, err := atlaslambda.NewAtlasCluster(ctx, "db", &atlaslambda.AtlasClusterArgs{
			ClusterName: "orders",
			AwsRegion:   "us-east-1",
			OrgId:       pulumi.String(cfg.Require("orgId")),
		})
		if err != nil {
			return err
		}
		zones := 2
		network, err := atlaslambda.NewNetwork(ctx, "net", &atlaslambda.NetworkArgs{
			AvailabilityZones: &zones,
		})
		if err != nil {
			return err
		}
		tier := "M10"
		endpoint, err := atlaslambda.NewPrivateEndpoint(ctx, "pl", &atlaslambda.PrivateEndpointArgs{
			ProjectId:   cluster.ProjectId,
			ClusterName: cluster.ClusterName,
			AwsRegion:   "us-east-1",
			VpcId:       network.VpcId,
			SubnetIds:   network.SubnetIds,
			ClusterTier: &tier,
		})
		if err != nil {
			return err
		}
		concurrency := 50
		// Packaged by the component for arm64/python3.14: handler.py as the code, the pinned
		// requirements.txt as a dependency layer. Relative to this program's directory.
		sourceDir := "./function"
		fn, err := atlaslambda.NewMongoLambda(ctx, "fn", &atlaslambda.MongoLambdaArgs{
			FunctionName:            "orders-api",
			VpcId:                   network.VpcId,
			SubnetIds:               network.SubnetIds,
			DatabaseSecurityGroupId: endpoint.SecurityGroupId,
			MongodbSrv:              endpoint.PrivateSrvConnectionString,
			DatabaseName:            "app",
			ReservedConcurrency:     &concurrency,
			SourceDir:               &sourceDir,
		})
		if err != nil {
			return err
		}
		_, err = atlaslambda.NewIamDatabaseUser(ctx, "user", &atlaslambda.IamDatabaseUserArgs{
			ProjectId:    cluster.ProjectId,
			RoleArn:      fn.RoleArn,
			ClusterName:  cluster.ClusterName,
			DatabaseName: "app",
		})
		if err != nil {
			return err
		}
		ctx.Export("functionName", fn.FunctionName)
		return nil
	})
}
