// A Go consumer of the atlas-lambda component package. First:
//
//	pulumi package add https://github.com/<owner>/atlas-lambda/provider@<tag>
//
// which generates the SDK into sdks/atlas-lambda and adds a `replace` to go.mod.
//
// AtlasLambda is the whole pattern: Atlas project and M10 cluster, a VPC with private
// subnets, a PrivateLink endpoint, the function, and its role as the IAM database user.
// Its inputs are the stack's config keys; every one has the stack's default.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	atlaslambda "github.com/pulumi/pulumi-atlas-lambda/sdk/go/atlas-lambda"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		region := "us-east-1"
		concurrency := 100
		// Packaged by the component for arm64/python3.14: handler.py as the code, the pinned
		// requirements.txt as a dependency layer. Relative to this program's directory.
		sourceDir := "./function"
		app, err := atlaslambda.NewAtlasLambda(ctx, "app", &atlaslambda.AtlasLambdaArgs{
			OrgId:               pulumi.String(cfg.Require("orgId")),
			AwsRegion:           &region,
			ReservedConcurrency: &concurrency,
			SourceDir:           &sourceDir,
		})
		if err != nil {
			return err
		}
		ctx.Export("functionName", app.FunctionName)
		ctx.Export("databaseUser", app.DatabaseUser)
		return nil
	})
}
