module github.com/meetwarden/meetwarden

go 1.26
