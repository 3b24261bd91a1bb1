/*
Copyright 2026 The meetwarden Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package v1alpha1 contains the meetwarden.io/v1alpha1 API: the MeetingPlatform resource.
// +kubebuilder:object:generate=true
// +groupName=meetwarden.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MeetingPlatformKind is the kind of the platform, for references to it (owner references,
// Events, the scope of its policy report).
const MeetingPlatformKind = "MeetingPlatform"

var (
	// GroupVersion is the group and version of every object in this package.
	GroupVersion = schema.GroupVersion{Group: "meetwarden.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme. It is
	// apimachinery's builder, not controller-runtime's (deprecated for API packages), so
	// importing the API does not pull in controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers MeetingPlatform and its list, and the meta types (ListOptions, ...)
// of the group version, as controller-runtime's scheme.Builder did.
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion, &MeetingPlatform{}, &MeetingPlatformList{})
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
