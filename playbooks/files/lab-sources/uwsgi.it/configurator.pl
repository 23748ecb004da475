#!/usr/bin/perl
# lab stand-in for uwsgi.it configurator.pl
exit 0;
