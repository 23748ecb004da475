#!/usr/bin/perl
# lab stand-in for uwsgi.it collector.pl
exit 0;
